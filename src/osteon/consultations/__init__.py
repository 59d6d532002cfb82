"""Remote consultation (会诊): request, triage, scheduling, grants, room membership, chat, signed report."""
