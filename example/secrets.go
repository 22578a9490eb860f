package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// secrets are the site's own keys, generated on first run and kept in
// <data>/secrets.json (mode 0600). They never appear in logs.
type secrets struct {
	// SealKey seals Kakao tokens inside session records (AES-256).
	SealKey []byte `json:"seal_key"`
	// SiteKey signs the site's own "site_user" login cookie (HMAC-SHA256).
	SiteKey []byte `json:"site_key"`
	// Demo* are the in-process fake Kakao's app keys in demo mode.
	DemoClientID     string `json:"demo_client_id"`
	DemoClientSecret string `json:"demo_client_secret"`
	DemoAdminKey     string `json:"demo_admin_key"`
}

const secretsFile = "secrets.json"

// loadSecrets reads dir/secrets.json, creating it with fresh random keys
// when it does not exist. Several instances starting at once on one folder
// agree on one file: it is written to a temporary name and linked into
// place, so the first writer wins and the others read its keys.
func loadSecrets(dir string) (*secrets, error) {
	path := filepath.Join(dir, secretsFile)
	if s, err := readSecrets(path); err == nil || !errors.Is(err, os.ErrNotExist) {
		return s, err
	}
	s := &secrets{
		SealKey:          randomBytes(32),
		SiteKey:          randomBytes(32),
		DemoClientID:     hex.EncodeToString(randomBytes(16)),
		DemoClientSecret: hex.EncodeToString(randomBytes(16)),
		DemoAdminKey:     hex.EncodeToString(randomBytes(16)),
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("secrets: encode: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".secrets-*.json")
	if err != nil {
		return nil, fmt.Errorf("secrets: create: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secrets: chmod: %w", err)
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return nil, fmt.Errorf("secrets: write: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, fmt.Errorf("secrets: write: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil {
		if errors.Is(err, os.ErrExist) { // another instance was first
			return readSecrets(path)
		}
		return nil, fmt.Errorf("secrets: install: %w", err)
	}
	return s, nil
}

func readSecrets(path string) (*secrets, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("secrets: read %s: %w", path, err)
	}
	var s secrets
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("secrets: %s is not valid JSON: %w", path, err)
	}
	if len(s.SealKey) != 32 || len(s.SiteKey) != 32 || s.DemoClientID == "" || s.DemoClientSecret == "" || s.DemoAdminKey == "" {
		return nil, fmt.Errorf("secrets: %s is incomplete; delete it to generate new keys", path)
	}
	return &s, nil
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand since Go 1.24)
	return b
}
