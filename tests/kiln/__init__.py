"""Tests for the shared kiln package."""
