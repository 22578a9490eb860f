// Package appclient plays a mobile app against the example site: it logs
// a user in with Kakao's SDK (in demo mode, the site's fake Kakao plays
// the SDK), turns the SDK's tokens into a session of the site with a
// token sign-in, calls the site's JSON API with that session, and logs
// out. It is what an iOS or Android app does, in Go, so that CI can run it.
package appclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Tokens are what Kakao's SDK hands an app after a login.
type Tokens struct {
	AccessToken  string `json:"access_token"`
	IDToken      string `json:"id_token,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
}

// SDK logs the user in at Kakao with nonce in the ID token, as the SDKs'
// login calls do, and returns the app's tokens.
type SDK func(ctx context.Context, nonce string) (Tokens, error)

// DemoSDK is the SDK in the example site's demo mode: POST
// /_demo/sdk-login asks the site's fake Kakao to log kakaoID in, with the
// app's native app key.
func DemoSDK(hc *http.Client, base, kakaoID string) SDK {
	return func(ctx context.Context, nonce string) (Tokens, error) {
		var t Tokens
		if hc == nil {
			hc = &http.Client{Timeout: 10 * time.Second}
		}
		err := call(ctx, hc, http.MethodPost, base+"/_demo/sdk-login", "", map[string]string{"user": kakaoID, "nonce": nonce, "key": "native"}, &t, nil)
		return t, err
	}
}

// Client is the app.
type Client struct {
	// Base is the site's URL, e.g. http://localhost:8080.
	Base string
	// HTTP makes the requests; nil means a client with a 10 s timeout.
	HTTP *http.Client
	// SDK is Kakao's SDK.
	SDK SDK
	// Name is the name the app signs a new user up with.
	Name string
	// Log receives one line per step; nil discards them. Tokens are never
	// written to it.
	Log io.Writer
}

// Result is what Run saw.
type Result struct {
	// Signup is true when the sign-in was pending a signup the app
	// finished.
	Signup bool
	// Me is GET /api/me's answer; Email GET /api/kakao/email's.
	Me    map[string]any
	Email map[string]any
	// AfterLogout is GET /api/me's status with the token after logout.
	AfterLogout int
}

// Run does the app's whole session: nonce, SDK login, token sign-in (and
// the signup when the site asks for one), two API calls, logout.
func (c *Client) Run(ctx context.Context) (*Result, error) {
	hc := c.HTTP
	if hc == nil {
		hc = &http.Client{Timeout: 10 * time.Second}
	}
	var res Result
	var nonce struct {
		Nonce string `json:"nonce"`
	}
	if err := call(ctx, hc, http.MethodPost, c.Base+"/auth/kakao/token/nonce", "", nil, &nonce, nil); err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	c.logf("nonce: got one")
	tok, err := c.SDK(ctx, nonce.Nonce)
	if err != nil {
		return nil, fmt.Errorf("SDK login: %w", err)
	}
	c.logf("SDK login: tokens for the app")
	var signIn struct {
		Status       string `json:"status"`
		SessionToken string `json:"session_token"`
		Pending      *struct {
			Kind string `json:"kind"`
		} `json:"pending"`
	}
	body := map[string]string{"access_token": tok.AccessToken, "id_token": tok.IDToken, "refresh_token": tok.RefreshToken, "nonce": nonce.Nonce}
	if err := call(ctx, hc, http.MethodPost, c.Base+"/auth/kakao/token", "", body, &signIn, nil); err != nil {
		return nil, fmt.Errorf("token sign-in: %w", err)
	}
	session := signIn.SessionToken
	c.logf("token sign-in: %s", signIn.Status)
	if signIn.Status == "pending" {
		if signIn.Pending == nil || signIn.Pending.Kind != "signup" {
			return nil, errors.New("token sign-in: pending, but not a signup this app can finish")
		}
		var h http.Header
		if err := call(ctx, hc, http.MethodPost, c.Base+"/api/signup", session, map[string]string{"name": c.Name}, nil, &h); err != nil {
			return nil, fmt.Errorf("signup: %w", err)
		}
		if renewed := h.Get("X-Session-Token"); renewed != "" {
			session = renewed // the signup renewed the session's token
		}
		res.Signup = true
		c.logf("signup: done")
	}
	if err := call(ctx, hc, http.MethodGet, c.Base+"/api/me", session, nil, &res.Me, nil); err != nil {
		return nil, fmt.Errorf("GET /api/me: %w", err)
	}
	c.logf("GET /api/me: kakao_id %v", res.Me["kakao_id"])
	if err := call(ctx, hc, http.MethodGet, c.Base+"/api/kakao/email", session, nil, &res.Email, nil); err != nil {
		return nil, fmt.Errorf("GET /api/kakao/email: %w", err)
	}
	c.logf("GET /api/kakao/email: ok")
	if err := call(ctx, hc, http.MethodPost, c.Base+"/auth/kakao/token/logout", session, nil, nil, nil); err != nil {
		return nil, fmt.Errorf("logout: %w", err)
	}
	c.logf("logout: done")
	err = call(ctx, hc, http.MethodGet, c.Base+"/api/me", session, nil, nil, nil)
	var se *StatusError
	if !errors.As(err, &se) {
		return nil, fmt.Errorf("GET /api/me after logout: %v, want a refusal", err)
	}
	res.AfterLogout = se.Status
	c.logf("GET /api/me after logout: %d", se.Status)
	return &res, nil
}

func (c *Client) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

// StatusError is an answer other than 2xx.
type StatusError struct {
	Status int
	Code   string // the JSON error code, when there is one
}

func (e *StatusError) Error() string { return fmt.Sprintf("status %d %s", e.Status, e.Code) }

// call sends in (JSON, when not nil) with the bearer session token (when
// not empty) and decodes a 2xx answer into out (when not nil); hdr, when
// not nil, receives the answer's header.
func call(ctx context.Context, hc *http.Client, method, url, bearer string, in, out any, hdr *http.Header) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if hdr != nil {
		*hdr = resp.Header
	}
	if resp.StatusCode/100 != 2 {
		var e struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(raw, &e)
		return &StatusError{Status: resp.StatusCode, Code: e.Error}
	}
	if out != nil && len(strings.TrimSpace(string(raw))) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("answer: %w", err)
		}
	}
	return nil
}
