package mail

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Dir is the local mail sink: each message is written as an .eml file into a directory
// (open it with any mail client) and announced with a log line.
type Dir struct {
	Path string
	Log  *slog.Logger
}

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// Send writes m to Path/<message-id>.eml; sending the same message again overwrites it,
// as a mail system would drop the duplicate.
func (d Dir) Send(ctx context.Context, m Message) error {
	g, err := build(m)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(d.Path, 0o755); err != nil {
		return fmt.Errorf("creating mail sink %s: %w", d.Path, err)
	}
	name := filepath.Join(d.Path, unsafeName.ReplaceAllString(strings.Trim(m.MessageID, "<>"), "_")+".eml")
	tmp := name + ".tmp"
	if err := g.WriteToFile(tmp); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if err := os.Rename(tmp, name); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	if d.Log != nil {
		d.Log.InfoContext(ctx, "mail sink: message written", "to", m.To, "subject", m.Subject, "file", name)
	}
	return nil
}
