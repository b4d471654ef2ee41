"""Planning use cases: from a station's day to a plan and back."""
