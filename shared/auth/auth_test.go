package auth_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/taskline/taskline/shared/auth"
	"github.com/taskline/taskline/shared/todo"
)

func TestHS256(t *testing.T) {
	t.Parallel()
	secret := []byte("s3cret-for-tests")
	v := auth.HS256(secret, auth.Options{})
	ctx := context.Background()

	good, _ := auth.Sign(secret, "ann", "ann@example.com", "Europe/Berlin", time.Hour)
	c, err := v.Verify(ctx, good)
	if err != nil || c.Subject != "ann" || c.Email != "ann@example.com" || c.TimeZone != "Europe/Berlin" {
		t.Fatalf("valid token: %+v, %v", c, err)
	}
	sign := func(method jwt.SigningMethod, key any, claims jwt.MapClaims) string {
		s, err := jwt.NewWithClaims(method, claims).SignedString(key)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	exp := time.Now().Add(time.Hour).Unix()
	for name, tok := range map[string]string{
		"wrong secret": sign(jwt.SigningMethodHS256, []byte("other"), jwt.MapClaims{"sub": "ann", "exp": exp}),
		"expired":      sign(jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "ann", "exp": time.Now().Add(-time.Hour).Unix()}),
		"no expiry":    sign(jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "ann"}),
		"no subject":   sign(jwt.SigningMethodHS256, secret, jwt.MapClaims{"exp": exp}),
		"alg none":     sign(jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, jwt.MapClaims{"sub": "ann", "exp": exp}),
		"HS512":        sign(jwt.SigningMethodHS512, secret, jwt.MapClaims{"sub": "ann", "exp": exp}),
		"garbage":      "not.a.token",
	} {
		if _, err := v.Verify(ctx, tok); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	strict := auth.HS256(secret, auth.Options{Issuer: "https://id.example.com", Audience: "taskline"})
	if _, err := strict.Verify(ctx, good); err == nil {
		t.Error("token without issuer and audience accepted by a verifier that requires them")
	}
	ok := sign(jwt.SigningMethodHS256, secret, jwt.MapClaims{"sub": "ann", "exp": exp, "iss": "https://id.example.com", "aud": "taskline"})
	if _, err := strict.Verify(ctx, ok); err != nil {
		t.Errorf("matching issuer and audience refused: %v", err)
	}
}

// TestJWKS serves a real JWKS over HTTP on loopback and checks RS256 tokens against it.
func TestJWKS(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
		"n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes()),
	}}})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(jwks)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	v, err := auth.JWKS(ctx, srv.URL, auth.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{"sub": "ann", "exp": time.Now().Add(time.Hour).Unix(), "tz": "Asia/Tokyo"})
	tok.Header["kid"] = "k1"
	signed, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := v.Verify(ctx, signed)
	if err != nil || c.Subject != "ann" || c.TimeZone != "Asia/Tokyo" {
		t.Fatalf("RS256 token from the JWKS: %+v, %v", c, err)
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	forged, _ := tok.SignedString(other)
	if _, err := v.Verify(ctx, forged); err == nil {
		t.Fatal("token signed by a key not in the JWKS accepted")
	}
	hs, _ := auth.Sign([]byte("x"), "ann", "", "", time.Hour)
	if _, err := v.Verify(ctx, hs); err == nil {
		t.Fatal("HS256 token accepted by the RS256 verifier")
	}
}

// Issue 12, item 10: what the JWT library accepted and a careful verifier refuses.
func TestStrictTokenShape(t *testing.T) {
	t.Parallel()
	secret := []byte("s3cret-for-tests")
	v := auth.HS256(secret, auth.Options{})
	ctx := context.Background()
	exp := time.Now().Add(time.Hour).Unix()
	stringExp := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "ann", "exp": strconv.FormatInt(exp, 10)})
	if s, _ := stringExp.SignedString(secret); true {
		if _, err := v.Verify(ctx, s); err == nil {
			t.Error(`"exp" as a string accepted`)
		}
	}
	crit := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{"sub": "ann", "exp": exp})
	crit.Header["crit"] = []string{"x-unknown"}
	crit.Header["x-unknown"] = true
	if s, _ := crit.SignedString(secret); true {
		if _, err := v.Verify(ctx, s); err == nil {
			t.Error("unknown crit header accepted")
		}
	}
}

type noUsers struct{}

func (noUsers) EnsureUser(context.Context, todo.User) error { return nil }

func TestBearerSchemeAndClaims(t *testing.T) {
	t.Parallel()
	secret := []byte("s3cret-for-tests")
	g := &auth.Guard{Verifier: auth.HS256(secret, auth.Options{}), Users: noUsers{}}
	ctx := context.Background()
	tok, _ := auth.Sign(secret, "ann", "ann@example.com", "", time.Hour)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER"} {
		if _, err := g.Authenticate(ctx, scheme+" "+tok); err != nil {
			t.Errorf("%s: %v", scheme, err)
		}
	}
	if _, err := g.Authenticate(ctx, "Basic "+tok); todo.ErrorCode(err) != todo.Unauthorized {
		t.Errorf("Basic scheme: %v", err)
	}
	for name, c := range map[string][2]string{
		"NUL in sub":    {"an\x00n", "a@b.c"},
		"NUL in email":  {"ann", "a\x00@b.c"},
		"5000-char sub": {strings.Repeat("s", 5000), "a@b.c"},
		"long email":    {"ann", strings.Repeat("e", 300) + "@b.c"},
	} {
		bad, _ := auth.Sign(secret, c[0], c[1], "", time.Hour)
		if _, err := g.Authenticate(ctx, "Bearer "+bad); todo.ErrorCode(err) != todo.Invalid {
			t.Errorf("%s: %v; want invalid (400)", name, err)
		}
	}
}
