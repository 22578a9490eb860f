package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kakaologin/kakaologin/kakaogin"
	"github.com/kakaologin/kakaologin/kakaogin/kakaotest"
)

// errCheckFailed is returned by runCheck when the report has an error, so
// that main exits 1.
var errCheckFailed = errors.New("the configuration check found errors")

// checkLang is the language of the -check report: English for "en",
// Korean otherwise.
func checkLang(s string) kakaogin.Lang {
	if strings.EqualFold(strings.TrimSpace(s), "en") {
		return kakaogin.English
	}
	return kakaogin.Korean
}

// runCheck builds the site as cfg configures it and asks Kakao, with
// harmless calls only, whether the configuration works, writing the report
// in lang to w. Without Kakao keys it checks a fake Kakao of its own (the
// site's demo fake is served only by the running site). It returns
// errCheckFailed when the report has an error.
func runCheck(ctx context.Context, cfg appConfig, lang kakaogin.Lang, w io.Writer) error {
	if cfg.Kakao.ClientID == "" && cfg.Fake == nil {
		public := strings.TrimSuffix(cfg.PublicURL, "/")
		fake := kakaotest.NewServer(
			kakaotest.WithRedirectURI(public+"/auth/kakao/callback"),
			kakaotest.WithAppID(demoAppID),
		)
		defer fake.Close()
		cfg.Fake = fake
	}
	a, err := newApp(cfg)
	if err != nil {
		return err
	}
	defer a.Close()
	cctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	r := a.kg.CheckConfig(cctx)
	if _, err := io.WriteString(w, r.Text(lang)); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	if !r.OK() {
		return errCheckFailed
	}
	return nil
}
