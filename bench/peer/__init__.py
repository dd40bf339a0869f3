"""The filing benchmark's peer: the filing API a competent developer would write without the
portal's guarantees (no journal, idempotency keys, ETags or notifications), DESIGN §9."""
