package kakaoapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Default base URLs of Kakao's two hosts.
const (
	DefaultAuthURL = "https://kauth.kakao.com"
	DefaultAPIURL  = "https://kapi.kakao.com"
)

// Config configures a Client. Only ClientID is required.
type Config struct {
	// ClientID is the app's REST API key. Required.
	ClientID string
	// ClientSecret is the client secret of the REST API key. It is sent
	// only in the token request body, never in a URL or a Basic
	// Authorization header. Empty means the app switched
	// the client-secret check off.
	ClientSecret string
	// RedirectURL is the registered redirect URI of the login callback,
	// sent as redirect_uri by AuthCodeURL and Exchange. Required for those
	// two; must be an absolute URL when set.
	RedirectURL string
	// AuthURL is the base URL of the authorization server. Default
	// DefaultAuthURL; tests point it at a kakaotest server.
	AuthURL string
	// APIURL is the base URL of the API server. Default DefaultAPIURL.
	APIURL string
	// HTTPClient makes the calls. Default NewHTTPClient(). A caller's
	// client is copied, not modified; the copy never follows redirects,
	// caps response bodies and gets a RequestTimeout overall timeout if it
	// had none.
	HTTPClient *http.Client
	// Now is the clock used to turn expires_in into expiry times. Default
	// time.Now.
	Now func() time.Time
	// Observe, when set, is told of every call the client makes to Kakao,
	// for metrics and traces: it is called before the request with the
	// endpoint's path (such as "/oauth/token"; never a query, token or
	// user ID), and the function it returns, when not nil, once the call
	// is over, with the HTTP status (0 when no answer came) and the
	// call's error (nil on success). The request is sent with the context
	// Observe returns, so an observer can also decide what reaches the
	// HTTP client's transport. Default nil.
	Observe Observer
}

// Observer watches the calls a Client makes to Kakao (see Config.Observe).
type Observer func(ctx context.Context, path string) (context.Context, func(status int, err error))

// Client calls the Kakao Login REST APIs. It is safe for concurrent use.
type Client struct {
	clientID     string
	clientSecret string
	redirectURL  string
	authURL      string
	apiURL       string
	hc           *http.Client
	now          func() time.Time
	observe      Observer
}

// New returns a Client for cfg, or an error when cfg is unusable.
func New(cfg Config) (*Client, error) {
	if cfg.ClientID == "" {
		return nil, errors.New("kakaoapi: config: ClientID is required")
	}
	c := &Client{
		clientID:     cfg.ClientID,
		clientSecret: cfg.ClientSecret,
		redirectURL:  cfg.RedirectURL,
		now:          cfg.Now,
		hc:           NewHTTPClient(),
		observe:      cfg.Observe,
	}
	var err error
	if c.authURL, err = baseURL("AuthURL", cfg.AuthURL, DefaultAuthURL); err != nil {
		return nil, err
	}
	if c.apiURL, err = baseURL("APIURL", cfg.APIURL, DefaultAPIURL); err != nil {
		return nil, err
	}
	if cfg.RedirectURL != "" {
		if u, err := url.Parse(cfg.RedirectURL); err != nil || !u.IsAbs() || u.Host == "" || u.Fragment != "" {
			return nil, errors.New("kakaoapi: config: RedirectURL must be an absolute URL without fragment")
		}
	}
	if cfg.HTTPClient != nil {
		c.hc = adoptHTTPClient(cfg.HTTPClient)
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c, nil
}

// HTTPClient returns the client c makes its calls with: redirects refused,
// bodies capped, timeouts set. Hand it to go-oidc (oidc.ClientContext) and
// x/oauth2 so their calls to Kakao follow the same rules; by default both
// use http.DefaultClient, which has no timeout.
func (c *Client) HTTPClient() *http.Client { return c.hc }

// baseURL validates an absolute http(s) base URL and trims a trailing slash.
func baseURL(name, raw, def string) (string, error) {
	if raw == "" {
		return def, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("kakaoapi: config: %s must be an absolute http(s) URL without query", name)
	}
	return strings.TrimSuffix(raw, "/"), nil
}

// response is a fully read, size-capped HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r *response) ok() bool { return r.status >= 200 && r.status < 300 }

// send makes exactly one request (never retried: an authorization code is
// single-use, so a retried exchange fails misleadingly): params go in the query
// for GET and in a form body otherwise. Errors carry no URL and no secret.
func (c *Client) send(ctx context.Context, method, rawURL, authz string, params url.Values, limit int64) (*response, error) {
	var body io.Reader
	if method != http.MethodGet && len(params) > 0 {
		body = strings.NewReader(params.Encode())
	}
	req, err := http.NewRequestWithContext(withLimit(ctx, limit), method, rawURL, body)
	if err != nil {
		return nil, errors.New("build request: invalid method or URL")
	}
	if method == http.MethodGet && len(params) > 0 {
		req.URL.RawQuery = params.Encode()
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=utf-8")
	}
	req.Header.Set("Accept", "application/json")
	if authz != "" {
		req.Header.Set("Authorization", authz)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, transportError(err, limit)
	}
	defer resp.Body.Close()
	b, err := readBody(resp.Body, limit)
	if err != nil {
		return nil, transportError(err, limit)
	}
	return &response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// transportError strips the URL from a client error and classifies it.
func transportError(err error, limit int64) error {
	var me *malformedError
	if errors.As(err, &me) {
		return me
	}
	if errors.Is(err, ErrResponseTooLarge) {
		return tooLarge(limit)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &TransportError{Err: err}
}

// endpoint describes one kapi API.
type endpoint struct {
	op       string // operation name for error messages
	method   string
	path     string
	userOnly bool // the admin key is not accepted
}

// api calls a kapi endpoint with auth and decodes a 2xx JSON body into out.
func (c *Client) api(ctx context.Context, e endpoint, auth Auth, params url.Values, out any) error {
	if params == nil {
		params = url.Values{}
	}
	authz, err := auth.apply(ctx, params, e.userOnly)
	if err != nil {
		return wrapErr(e.op, err)
	}
	return c.apiWith(ctx, e, authz, params, out)
}

// apiWith is api with a ready Authorization header value.
func (c *Client) apiWith(ctx context.Context, e endpoint, authz string, params url.Values, out any) error {
	ctx, done := c.startCall(ctx, e.path)
	status, err := c.apiCall(ctx, e, authz, params, out)
	if done != nil {
		done(status, err)
	}
	return err
}

// apiCall is apiWith without the observer; it also returns the HTTP
// status, 0 when no answer came.
func (c *Client) apiCall(ctx context.Context, e endpoint, authz string, params url.Values, out any) (int, error) {
	resp, err := c.send(ctx, e.method, c.apiURL+e.path, authz, params, MaxResponse)
	if err != nil {
		return 0, wrapErr(e.op, err)
	}
	if !resp.ok() {
		return resp.status, wrapErr(e.op, parseAPIError(resp, e.path))
	}
	if err := decodeJSON(resp.body, out); err != nil {
		return resp.status, wrapErr(e.op, err)
	}
	return resp.status, nil
}

// kauth calls an authorization-server endpoint without credentials in
// headers and returns the 2xx body for the caller to parse.
func (c *Client) kauth(ctx context.Context, op, method, path string, params url.Values, limit int64) ([]byte, error) {
	ctx, done := c.startCall(ctx, path)
	status, body, err := c.kauthCall(ctx, op, method, path, params, limit)
	if done != nil {
		done(status, err)
	}
	return body, err
}

// kauthCall is kauth without the observer; it also returns the HTTP
// status, 0 when no answer came.
func (c *Client) kauthCall(ctx context.Context, op, method, path string, params url.Values, limit int64) (int, []byte, error) {
	resp, err := c.send(ctx, method, c.authURL+path, "", params, limit)
	if err != nil {
		return 0, nil, wrapErr(op, err)
	}
	if !resp.ok() {
		return resp.status, nil, wrapErr(op, parseAuthError(resp, path))
	}
	return resp.status, resp.body, nil
}

// startCall tells the observer, if any, of a call to path.
func (c *Client) startCall(ctx context.Context, path string) (context.Context, func(int, error)) {
	if c.observe == nil {
		return ctx, nil
	}
	return c.observe(ctx, path)
}
