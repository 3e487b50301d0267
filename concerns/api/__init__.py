"""The concerns REST API (under /api/v1/): concerns, answers' ratings and the
anonymous reporter's receipt-code follow-up, with exactly the rules of the pages."""
