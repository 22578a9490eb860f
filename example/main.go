// Command example is the kakaologin example site: Kakao Login on a Gin app
// with its own users, sessions in SQLite (or Redis, PostgreSQL), and every
// Kakao Login feature on a page. Without Kakao keys it runs in demo mode
// against an in-process fake Kakao.
//
//	go run ./example                     # http://localhost:8080, demo mode
//	KAKAO_REST_API_KEY=… go run ./example -public-url https://…   # real Kakao
//
// Flags (and environment): -addr (ADDR), -data (DATA_DIR), -store
// (STORE_URL), -public-url (PUBLIC_URL), -check (check the Kakao
// configuration, print the report and exit: 0 when it works, 1 when not),
// -lang (CHECK_LANG; the report's language, ko or en). Real Kakao: KAKAO_REST_API_KEY,
// KAKAO_CLIENT_SECRET, KAKAO_ADMIN_KEY, KAKAO_APP_ID, KAKAO_REDIRECT_URL,
// KAKAO_SERVICE_TERMS (comma-separated Kakao Sync tags), and for apps'
// token sign-ins KAKAO_NATIVE_APP_KEY and KAKAO_JAVASCRIPT_KEY.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
)

func main() {
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if err := run(log); errors.Is(err, errCheckFailed) {
		os.Exit(1) // the report says why
	} else if err != nil {
		log.Error("example site stopped", "err", err)
		os.Exit(1)
	}
}

// sdkKeys lists the keys that are set.
func sdkKeys(keys ...string) []string {
	var out []string
	for _, k := range keys {
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run(log *slog.Logger) error {
	addr := flag.String("addr", env("ADDR", "localhost:8080"), "listen address (env ADDR)")
	data := flag.String("data", env("DATA_DIR", "data"), "data folder for secrets and SQLite files (env DATA_DIR)")
	storeURL := flag.String("store", env("STORE_URL", ""), "session store URL: sqlite:FILE, redis://…, postgres://…, mysql://… (env STORE_URL; default sqlite:<data>/sessions.db)")
	public := flag.String("public-url", env("PUBLIC_URL", ""), "URL browsers use to reach the site (env PUBLIC_URL; default http://<addr>)")
	check := flag.Bool("check", false, "check the Kakao configuration with harmless calls to Kakao, print the report and exit (0 when it works, 1 when not)")
	lang := flag.String("lang", env("CHECK_LANG", "ko"), "language of the -check report: ko or en (env CHECK_LANG)")
	flag.Parse()
	if *public == "" {
		*public = "http://" + *addr
	}
	if os.Getenv("GIN_MODE") == "" {
		gin.SetMode(gin.ReleaseMode)
	}
	appID, _ := strconv.ParseInt(os.Getenv("KAKAO_APP_ID"), 10, 64)
	cfg := appConfig{
		DataDir: *data, StoreURL: *storeURL, PublicURL: *public, Logger: log,
		Kakao: kakaoKeys{
			ClientID:     os.Getenv("KAKAO_REST_API_KEY"),
			ClientSecret: os.Getenv("KAKAO_CLIENT_SECRET"),
			AdminKey:     os.Getenv("KAKAO_ADMIN_KEY"),
			AppID:        appID,
			SDKKeys:      sdkKeys(os.Getenv("KAKAO_NATIVE_APP_KEY"), os.Getenv("KAKAO_JAVASCRIPT_KEY")),
			RedirectURL:  os.Getenv("KAKAO_REDIRECT_URL"),
		},
	}
	if t := os.Getenv("KAKAO_SERVICE_TERMS"); t != "" {
		cfg.Kakao.ServiceTerms = strings.Split(t, ",")
	}
	if *check {
		return runCheck(context.Background(), cfg, checkLang(*lang), os.Stdout)
	}
	a, err := newApp(cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	storeShown := *storeURL
	if storeShown == "" {
		storeShown = "sqlite:" + *data + "/sessions.db"
	} else if u, err := url.Parse(storeShown); err == nil {
		u.RawQuery = "" // its parameters may carry a password too
		storeShown = u.Redacted()
	} else {
		storeShown = "(unparsable)"
	}
	log.Info("example site", "url", *public, "listen", *addr, "demo_mode", a.demo, "store", storeShown, "data", *data)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Addr: *addr, Handler: a.Handler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	go a.Run(ctx)
	go func() { // after Listen: in demo mode the fake is served by srv itself
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := a.Check(cctx); err != nil {
			log.Warn("Kakao OIDC discovery check failed; logins will fail until it works", "err", err)
		}
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
