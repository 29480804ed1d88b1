"""Volunteer business mentors (frivillige erhvervsmentorer) and their matches with citizens."""
