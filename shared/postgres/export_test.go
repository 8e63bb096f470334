package postgres

import "github.com/taskline/taskline/shared/todo"

// The outbox claims' SQL, for the plan tests in package postgres_test.
var (
	OutboxClaimSQL   = claimSQL
	OutboxClaimByID  = claimByID
	OutboxClaimSwept = claimSwept
	// RecordFailuresSQL records failed publishes.
	RecordFailuresSQL = recordFailuresSQL
)

// ListSQL exposes listSQL to the tests: the statements a first page of q can run.
func ListSQL(userID string, q todo.TaskQuery, tagIDs []int64) (direct, walk string, args []any) {
	st := listSQL(userID, q, nil, tagIDs)
	return st.direct, st.walk, st.args
}
