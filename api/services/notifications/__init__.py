"""What is told to whom and how it leaves: the outbox, notices, mails, reminders, push."""
