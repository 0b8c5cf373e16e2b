"""Subcommands of `roomink`; each module registers one (see hub.cli)."""
