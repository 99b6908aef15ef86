"""Reports that arrive by e-mail: an IMAP mailbox or a local mbox/Maildir drop (REQUIREMENTS 2.9)."""
