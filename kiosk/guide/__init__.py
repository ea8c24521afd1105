"""Service guide lookup (办事指南) on the ticket kiosk: browse by department, pinyin-initials search, print slip."""
