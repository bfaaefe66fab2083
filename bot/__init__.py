"""The application: dialogue, channel adapters, web app, command line and wiring."""
