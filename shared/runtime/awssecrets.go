package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// loadAWSSecrets fills each variable NAME that is empty but has NAME_SECRET_ARN set from AWS
// Secrets Manager, through the AWS Parameters and Secrets Lambda Extension (a layer that
// serves secrets on localhost, cached, authenticated with the function's session token).
// The secret is JSON with a NAME key (e.g. {"DATABASE_URL": "..."}) or the plain value.
// So on Lambda the secrets never sit in the function's configuration as plain environment
// variables; the template passes only their ARNs.
func loadAWSSecrets(ctx context.Context) error {
	port := envOr("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "2773")
	client := &http.Client{Timeout: 5 * time.Second}
	for _, kv := range os.Environ() {
		k, arn, _ := strings.Cut(kv, "=")
		name, ok := strings.CutSuffix(k, "_SECRET_ARN")
		if !ok || arn == "" || os.Getenv(name) != "" {
			continue
		}
		u := "http://127.0.0.1:" + port + "/secretsmanager/get?secretId=" + url.QueryEscape(arn)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return err
		}
		req.Header.Set("X-Aws-Parameters-Secrets-Token", os.Getenv("AWS_SESSION_TOKEN"))
		resp, err := client.Do(req)
		if err != nil {
			return fmt.Errorf("reading %s from Secrets Manager (is the Parameters and Secrets extension layer attached?): %w", k, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("reading %s from Secrets Manager: %s: %s", k, resp.Status, strings.TrimSpace(string(body)))
		}
		var out struct {
			SecretString string `json:"SecretString"`
		}
		if err := json.Unmarshal(body, &out); err != nil {
			return fmt.Errorf("reading %s from Secrets Manager: %w", k, err)
		}
		v := out.SecretString
		var fields map[string]string
		if json.Unmarshal([]byte(v), &fields) == nil {
			f, ok := fields[name]
			if !ok {
				return fmt.Errorf("secret %s has no %s key", k, name)
			}
			v = f
		}
		if err := os.Setenv(name, v); err != nil {
			return err
		}
	}
	return nil
}
