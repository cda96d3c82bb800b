// The periodic-task form of django-celery-beat (templates/admin/djcelery/): shows the chosen
// crontab in words under the field. Moved out of an inline script so that the CSP allows it;
// text is inserted as text, never as HTML.
'use strict';
{
    const $ = django.jQuery;
    const script = document.getElementById('periodic-task-overrides');
    const readable = JSON.parse(document.getElementById('readable-crontabs').textContent);
    const originalHelp = script.dataset.crontabHelp || '';
    // The label in the page's language (data-in-words, from the template's {% translate %}).
    const inWords = script.dataset.inWords || 'Translation:';

    function updateCrontabHelp(additional) {
        const help = $('.field-crontab .help');
        help.text(originalHelp);
        help.append(document.createElement('br'));
        help.append(document.createTextNode(inWords + ' ' + (additional || '')));
    }

    $('.field-crontab_translation').hide();
    $('.field-crontab').on('change', function() {
        updateCrontabHelp(readable[$('#id_crontab').val()]);
    });
}
