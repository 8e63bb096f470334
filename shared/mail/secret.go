package mail

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DaprSecret reads one secret from a Dapr secret store through the sidecar on
// localhost:port, e.g. the SMTP URL with its password: ref is "<store>/<key>".
func DaprSecret(ctx context.Context, port int, ref string) (string, error) {
	store, key, ok := strings.Cut(ref, "/")
	if !ok || store == "" || key == "" {
		return "", fmt.Errorf("secret reference %q must look like <store>/<key>", ref)
	}
	u := fmt.Sprintf("http://127.0.0.1:%d/v1.0/secrets/%s/%s", port, url.PathEscape(store), url.PathEscape(key))
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return "", err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", fmt.Errorf("reading secret %s from dapr: %w", ref, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("reading secret %s from dapr: %s", ref, resp.Status)
	}
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil {
		return "", fmt.Errorf("reading secret %s from dapr: %w", ref, err)
	}
	v, ok := m[key]
	if !ok {
		return "", fmt.Errorf("secret %s has no key %q", ref, key)
	}
	return v, nil
}
