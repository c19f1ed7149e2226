"""Text layout shared by personalization, render and manufacturing (DESIGN §6), and the fonts
Atelier ships (freely licensed, licence files beside them)."""
