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

// Routes is the function's one endpoint, behind the API's guard: MCP has no {user_id} in
// its path, so the token alone names the user.
func Routes(d *runtime.Deps) []runtime.Route {
	return []runtime.Route{{Pattern: Path, Handler: Handler(d.Store, d.Log)}}
}

// Handler serves MCP's Streamable HTTP transport, stateless (every POST stands alone, so
// any replica can answer and the function scales to zero). It expects the request's token
// verified already (auth.Guard.Require, as runtime.Mount does), which also answers a
// missing or bad token like the HTTP API does.
func Handler(s Store, log *slog.Logger) http.Handler {
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
	return sdkauth.RequireBearerToken(func(ctx context.Context, _ string, _ *http.Request) (*sdkauth.TokenInfo, error) {
		c := auth.ClaimsOf(ctx)
		if c == nil {
			return nil, sdkauth.ErrInvalidToken
		}
		info := &sdkauth.TokenInfo{UserID: c.Subject}
		if c.ExpiresAt != nil {
			info.Expiration = c.ExpiresAt.Time
		}
		return info, nil
	}, nil)(stream)
}
