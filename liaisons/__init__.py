"""Who serves which enterprises, and what they did for them."""
