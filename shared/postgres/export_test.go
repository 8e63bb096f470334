package postgres

// The outbox claims' SQL, for the plan tests in package postgres_test.
var (
	OutboxClaimSQL   = claimSQL
	OutboxClaimByID  = claimByID
	OutboxClaimSwept = claimSwept
)
