"""The ticket kiosk (取号机): take a number, check in an appointment, look up guides, see the queue."""
