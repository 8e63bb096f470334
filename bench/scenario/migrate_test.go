package scenario

import (
	"os"
	"strings"
	"testing"
)

func TestScanMigrationListsLocksOnExistingTablesOnly(t *testing.T) {
	sql := `-- +goose Up
-- CREATE INDEX in a comment ON tasks is not a statement
CREATE TABLE notes (
    id      bigint PRIMARY KEY,
    task_id bigint REFERENCES tasks (id)
);
CREATE INDEX notes_task ON notes (task_id);
CREATE INDEX tasks_title ON tasks (title);
CREATE UNIQUE INDEX CONCURRENTLY tasks_other ON tasks (id, title);
ALTER TABLE reminders ADD COLUMN note text;
-- +goose StatementBegin
CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    CREATE INDEX inside_a_body ON tasks (id);
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER t AFTER INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION f();

-- +goose Down
CREATE INDEX in_the_down ON tasks (id);
`
	got := scanMigration("00050_notes.sql", sql)
	want := []migrationLock{
		{File: "00050_notes.sql", Table: "tasks", What: "foreign key from new table notes (SHARE ROW EXCLUSIVE: writes wait, briefly)"},
		{File: "00050_notes.sql", Table: "tasks", What: "CREATE INDEX tasks_title without CONCURRENTLY (SHARE: writes wait for the whole build)", IndexBuild: true},
		{File: "00050_notes.sql", Table: "tasks", What: "CREATE INDEX CONCURRENTLY tasks_other (writes go on)"},
		{File: "00050_notes.sql", Table: "reminders", What: "ALTER TABLE ADD COLUMN note text (ACCESS EXCLUSIVE: reads and writes wait; long if it rewrites or scans the table)"},
		{File: "00050_notes.sql", Table: "tasks", What: "CREATE TRIGGER (SHARE ROW EXCLUSIVE: writes wait, briefly)"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d locks, want %d:\n%+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("lock %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	s := migrationScan{locks: got}
	if sum := s.summary(); sum != "index builds without CONCURRENTLY on existing tables: 00050 on tasks" {
		t.Errorf("summary: %q", sum)
	}
}

// The repository's own migrations: the first creates everything (nothing to wait on), the
// CalDAV one puts a trigger and a foreign key on tasks, and no later one builds an index on
// tasks.
func TestScanOfTheRepositoryMigrations(t *testing.T) {
	s, err := scanMigrations(os.DirFS("../../" + migrationsDir))
	if err != nil {
		t.Fatal(err)
	}
	var onTasks []string
	for _, l := range s.locks {
		if strings.HasPrefix(l.File, "00001_") {
			t.Errorf("00001 creates its tables, yet a lock on %s was listed: %s", l.Table, l.What)
		}
		if l.Table == "tasks" {
			onTasks = append(onTasks, l.File+": "+l.What)
		}
	}
	if len(onTasks) == 0 {
		t.Error("no lock on tasks found; 00031_caldav.sql adds a trigger on it")
	}
	if !strings.HasSuffix(s.summary(), "(none on tasks)") {
		t.Errorf("summary: %q", s.summary())
	}
	t.Logf("locks on tasks: %s", strings.Join(onTasks, "; "))
}
