module github.com/taskline/taskline/bench

go 1.26.0

require (
	github.com/emersion/go-smtp v0.25.1
	github.com/jackc/pgx/v5 v5.12.0
	github.com/taskline/taskline/shared v0.0.0
)

replace github.com/taskline/taskline/shared => ../shared
