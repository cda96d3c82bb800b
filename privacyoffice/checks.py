"""System checks of the project package (the personal-data inventory registers its own)."""
