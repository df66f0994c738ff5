"""Many episodes, unattended: resumable batch runs with a report."""
