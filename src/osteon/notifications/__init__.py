"""Notifications (消息通知): one service, templates as data, in-app/SMS/e-mail channels, durable delivery."""
