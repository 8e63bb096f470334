package mail

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/taskline/taskline/shared/dapr"
)

// DaprSecret reads one secret from a Dapr secret store through the sidecar's gRPC API on
// localhost:grpcPort (the Dapr Go SDK), e.g. the SMTP URL with its password: ref is
// "<store>/<key>".
func DaprSecret(ctx context.Context, grpcPort int, ref string) (string, error) {
	store, key, ok := strings.Cut(ref, "/")
	if !ok || store == "" || key == "" {
		return "", fmt.Errorf("secret reference %q must look like <store>/<key>", ref)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	c := dapr.New(grpcPort)
	defer c.Close()
	return c.Secret(ctx, store, key)
}
