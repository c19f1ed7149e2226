"""Notification service: transactional emails and the log of messages sent."""
