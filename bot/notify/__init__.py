"""Proactive notifications: settings, reminders, broadcasts, digests and rating invitations, all sent
through the outbox and only with the consent they rely on."""
