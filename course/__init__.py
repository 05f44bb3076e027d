"""Authoring tools for the course: build the student release, check the source notebooks."""
