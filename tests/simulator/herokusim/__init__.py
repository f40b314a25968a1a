"""herokusim: a local Heroku backed by real PostgreSQL clusters."""
