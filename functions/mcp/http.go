package mcpserver

import (
	"context"
	"log/slog"
	"net/http"

	sdkauth "github.com/modelcontextprotocol/go-sdk/auth"
	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/runtime"
)

// Path is where the MCP endpoint is served.
const Path = "/mcp"

// Authenticator checks an Authorization header: *auth.Guard, the same check as the HTTP
// API's.
type Authenticator interface {
	Authenticate(ctx context.Context, header string) (*auth.Claims, error)
}

// Routes is the function's one endpoint. It is public to runtime.Mount because it
// authenticates itself: MCP has no {user_id} in its path, the token alone names the user.
func Routes(d *runtime.Deps) []runtime.Route {
	return []runtime.Route{{Pattern: Path, Handler: Handler(d.Store, d.Guard, d.Errors, d.Log), Public: true}}
}

// Handler serves MCP's Streamable HTTP transport, stateless (every POST stands alone, so
// any replica can answer and the function scales to zero), for callers with a valid bearer
// token. Errors before MCP starts (no or bad token) are answered like the HTTP API's.
func Handler(s Store, a Authenticator, ew runtime.ErrorWriter, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	srv := NewServer(s, TokenUser, log)
	stream := mcp.NewStreamableHTTPHandler(func(*http.Request) *mcp.Server { return srv }, &mcp.StreamableHTTPOptions{
		Stateless:    true,
		JSONResponse: true, // one JSON answer per POST: no stream for proxies to buffer
		Logger:       sdkLogger(log),
		// The SDK refuses loopback connections whose Host is not localhost, against DNS
		// rebinding of unauthenticated local servers. This one requires a bearer token, and
		// behind Knative's queue-proxy or a Dapr sidecar every request arrives on loopback
		// with the service's Host, so the check would refuse them all.
		DisableLocalhostProtection: true,
		MaxRequestBodyBytes:        runtime.MaxBody,
	})
	// The SDK hands tools the token's user through its own context key, which only its
	// middleware sets; it is given the claims Taskline's guard has already verified.
	withUser := sdkauth.RequireBearerToken(func(ctx context.Context, _ string, _ *http.Request) (*sdkauth.TokenInfo, error) {
		c, ok := ctx.Value(claimsKey{}).(*auth.Claims)
		if !ok {
			return nil, sdkauth.ErrInvalidToken
		}
		info := &sdkauth.TokenInfo{UserID: c.Subject}
		if c.ExpiresAt != nil {
			info.Expiration = c.ExpiresAt.Time
		}
		return info, nil
	}, nil)(stream)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := a.Authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="taskline"`)
			ew.Write(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), claimsKey{}, c)
		ctx = auth.WithUserID(ctx, c.Subject)
		withUser.ServeHTTP(w, r.WithContext(ctx))
	})
}

type claimsKey struct{}
