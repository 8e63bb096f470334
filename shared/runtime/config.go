// Package runtime runs Taskline's functions: configuration from the environment, the HTTP
// server with health endpoints and graceful shutdown, authentication and error mapping for
// the API, and the adapters that deliver events to a function's Handle.
package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is read from the environment (docs/ARCHITECTURE.md lists every variable).
type Config struct {
	Name        string // the function, e.g. "create-task"
	Port        int
	DatabaseURL string
	// DatabaseListenURL (DATABASE_LISTEN_URL) is a direct connection to Postgres for the
	// event stream's LISTEN when DATABASE_URL goes through a transaction pooler (PgBouncer),
	// which does not keep a LISTEN; empty: DATABASE_URL.
	DatabaseListenURL string
	JWTSecret         string
	JWKSURL           string
	JWTIssuer         string
	JWTAudience       string
	Publisher         string // inproc, dapr, kafka, none
	DaprHTTPPort      int
	// DaprGRPCPort is the sidecar's gRPC API, which the Dapr SDK publishes through.
	DaprGRPCPort int
	// AppAPIToken (APP_API_TOKEN), when set, is the token daprd must send on every call to
	// the app (header dapr-api-token): event and binding routes refuse calls without it.
	AppAPIToken  string
	PubsubName   string
	KafkaBrokers []string
	// KafkaTLS (KAFKA_TLS) makes the direct Kafka publisher speak TLS (MSK's TLS listener).
	KafkaTLS   bool
	SMTPURL    string
	MailFrom   string
	AppBaseURL string
	Migrate    bool
	LogLevel   slog.Level
	// CORSOrigins may call the API from a browser page on another origin (CORS_ORIGINS,
	// comma-separated; "*" for any). None by default: a deployment names its clients.
	CORSOrigins []string
}

// LoadConfig reads the configuration of the named function.
func LoadConfig(name string) (Config, error) {
	if InLambda() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err := loadAWSSecrets(ctx)
		cancel()
		if err != nil {
			return Config{Name: name}, err
		}
	}
	c := Config{
		Name:              name,
		Port:              envInt("PORT", 8080),
		DatabaseURL:       os.Getenv("DATABASE_URL"),
		DatabaseListenURL: os.Getenv("DATABASE_LISTEN_URL"),
		JWTSecret:         os.Getenv("JWT_SECRET"),
		JWKSURL:           os.Getenv("JWT_JWKS_URL"),
		JWTIssuer:         os.Getenv("JWT_ISSUER"),
		JWTAudience:       os.Getenv("JWT_AUDIENCE"),
		Publisher:         os.Getenv("PUBLISHER"),
		DaprHTTPPort:      envInt("DAPR_HTTP_PORT", 3500),
		DaprGRPCPort:      envInt("DAPR_GRPC_PORT", 50001),
		AppAPIToken:       os.Getenv("APP_API_TOKEN"),
		PubsubName:        envOr("DAPR_PUBSUB_NAME", "pubsub"),
		SMTPURL:           os.Getenv("SMTP_URL"),
		MailFrom:          envOr("MAIL_FROM", "Taskline <reminders@taskline.local>"),
		// PUBLIC_URL (or its older name APP_BASE_URL): where people reach the app; links in
		// emails and feed URLs start with it.
		AppBaseURL:  strings.TrimRight(envOr("PUBLIC_URL", envOr("APP_BASE_URL", "http://localhost:8080")), "/"),
		Migrate:     envBool("MIGRATE"),
		CORSOrigins: ParseOrigins(os.Getenv("CORS_ORIGINS")),
		KafkaTLS:    envBool("KAFKA_TLS"),
	}
	if b := os.Getenv("KAFKA_BROKERS"); b != "" {
		c.KafkaBrokers = strings.Split(b, ",")
	}
	if c.Publisher == "" {
		switch {
		case os.Getenv("DAPR_HTTP_PORT") != "" || os.Getenv("DAPR_GRPC_PORT") != "":
			c.Publisher = "dapr"
		case len(c.KafkaBrokers) > 0:
			c.Publisher = "kafka"
		default:
			c.Publisher = "none"
		}
	}
	if err := c.LogLevel.UnmarshalText([]byte(envOr("LOG_LEVEL", "info"))); err != nil {
		return c, fmt.Errorf("LOG_LEVEL: %w", err)
	}
	if c.Port <= 0 || c.Port > 65535 {
		return c, fmt.Errorf("PORT must be a port number, not %q", os.Getenv("PORT"))
	}
	return c, nil
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func envInt(k string, def int) int {
	v := os.Getenv(k)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

func envBool(k string) bool {
	b, _ := strconv.ParseBool(os.Getenv(k))
	return b
}
