"""The measurement loop: schedules, the messages that carry links, reminders and the counselor's queue."""
