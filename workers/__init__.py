"""Workers, labour demand, chartered trips and commuting passes."""
