// The Japanese date input format is 2026年12月02日 (privacyoffice/formats/ja/formats.py). The
// admin's calendar writes it with Date.prototype.strftime, which keeps 年月日 as they are, but
// reads an input back with String.prototype.strptime (admin/js/core.js), which splits only on
// ". - /": without this, the calendar would open at today's month instead of the typed date.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const strptime = String.prototype.strptime;
  if (typeof strptime !== "function") {
    return;  // a page without the admin's date widgets
  }
  const dashed = (text) => text.replace(/[年月]/g, "-").replace(/日/g, "");
  String.prototype.strptime = function (format) {
    return strptime.call(dashed(String(this)), dashed(format));
  };
});
