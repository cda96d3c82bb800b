"""Letters: templates, PDF rendering (WeasyPrint), the letter task, and deadline alerts."""
