package redact_test

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/kakaologin/kakaologin/store/internal/redact"
)

func TestURLHidesPasswords(t *testing.T) {
	tests := []struct {
		url  string
		keep []string // must still be shown
	}{
		{url: "postgres://app:s3cr3t@db:5432/app?sslmode=require", keep: []string{"app", "db:5432", "sslmode=require"}},
		{url: "redis://:s3cr3t@cache:6379/0", keep: []string{"cache:6379"}},
		{url: "rediss://default:s3cr3t@cache/1", keep: []string{"default", "cache"}},
		{url: "postgres://app:s3%2Fcr3t@db/app", keep: []string{"db"}},
		{url: "memory:", keep: []string{"memory:"}},
		{url: "postgres://app@db/app?password=s3cr3t", keep: []string{"db"}},
		{url: "postgres://app@db/app?PassWord=s3cr3t&sslmode=disable", keep: []string{"db", "sslmode=disable"}},
		{url: "postgres://s3cr3t:s3cr3t@db/app", keep: []string{"db"}}, // a user name that is the password
		{url: "redis://s3cr3t-user:s3cr3t@cache/0", keep: []string{"cache"}},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			if err != nil {
				t.Fatal(err)
			}
			got := redact.URL(u)
			if strings.Contains(got, "s3cr3t") || strings.Contains(got, "s3%2Fcr3t") {
				t.Errorf("URL = %q shows the password", got)
			}
			for _, k := range tt.keep {
				if !strings.Contains(got, k) {
					t.Errorf("URL = %q, want it to keep %q", got, k)
				}
			}
		})
	}
	if got := redact.URL(nil); got != "" {
		t.Errorf("URL(nil) = %q, want empty", got)
	}
}

func TestSecretsMasksEveryFormOfThePassword(t *testing.T) {
	u, err := url.Parse("postgres://app:p%40ss%2Fw@db/app?sslpassword=k3y%2B&sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	msg := "failed: p@ss/w, p%40ss%2Fw, p@ss%2Fw, k3y+, k3y%2B; sslmode=disable"
	got := redact.Secrets(msg, u)
	for _, secret := range []string{"p@ss/w", "p%40ss%2Fw", "p@ss%2Fw", "k3y+", "k3y%2B"} {
		if strings.Contains(got, secret) {
			t.Errorf("Secrets = %q still shows %q", got, secret)
		}
	}
	if !strings.Contains(got, "sslmode=disable") {
		t.Errorf("Secrets = %q, want the rest of the message kept", got)
	}
	if got := redact.Secrets(msg, nil); got != msg {
		t.Errorf("Secrets with no URL = %q, want the message unchanged", got)
	}
}

func TestWithoutURLKeepsTheCauseOnly(t *testing.T) {
	for _, raw := range []string{"postgres://app:s3cr3t@db:bad port/app", "postgres://app:s3cr3t@db/\x7f"} {
		_, err := url.Parse(raw)
		if err == nil {
			t.Fatalf("url.Parse(%q) succeeded, want an error", raw)
		}
		got := redact.WithoutURL(err)
		if strings.Contains(got.Error(), "s3cr3t") {
			t.Errorf("WithoutURL = %q shows the password", got)
		}
	}
	other := errors.New("not a URL error")
	if redact.WithoutURL(other) != other {
		t.Error("WithoutURL changed an error that holds no URL")
	}
}
