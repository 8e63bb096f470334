package runtime

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

// On Lambda the template passes only secret ARNs: the function reads the values through the
// Parameters and Secrets extension at start, with its session token, and fails to start
// (rather than run without a database) when a secret cannot be read.
func TestLambdaReadsSecretsFromSecretsManager(t *testing.T) {
	secrets := map[string]string{
		"arn:db":   `{"DATABASE_URL":"postgres://from-secrets-manager/taskline"}`,
		"arn:smtp": `smtp://user:pw@mail.example.com:587`,
	}
	var tokens []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tokens = append(tokens, r.Header.Get("X-Aws-Parameters-Secrets-Token"))
		v, ok := secrets[r.URL.Query().Get("secretId")]
		if r.URL.Path != "/secretsmanager/get" || !ok {
			http.Error(w, "not found", http.StatusBadRequest)
			return
		}
		_ = json.NewEncoder(w).Encode(map[string]string{"SecretString": v})
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	t.Setenv("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", port)
	t.Setenv("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9001")
	t.Setenv("AWS_SESSION_TOKEN", "session-token")
	t.Setenv("DATABASE_URL", "")
	t.Setenv("DATABASE_URL_SECRET_ARN", "arn:db")
	t.Setenv("SMTP_URL", "")
	t.Setenv("SMTP_URL_SECRET_ARN", "arn:smtp")
	c, err := LoadConfig("create-task")
	if err != nil {
		t.Fatal(err)
	}
	if c.DatabaseURL != "postgres://from-secrets-manager/taskline" || c.SMTPURL != "smtp://user:pw@mail.example.com:587" {
		t.Fatalf("DATABASE_URL %q, SMTP_URL %q", c.DatabaseURL, c.SMTPURL)
	}
	for _, tok := range tokens {
		if tok != "session-token" {
			t.Fatalf("the extension was called with token %q, not the session token", tok)
		}
	}
	t.Setenv("DATABASE_URL", "")
	t.Setenv("DATABASE_URL_SECRET_ARN", "arn:missing")
	if _, err := LoadConfig("create-task"); err == nil {
		t.Fatal("a secret that cannot be read let the function start")
	}
}
