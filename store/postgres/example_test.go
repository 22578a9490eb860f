package postgres_test

import (
	"context"
	"errors"
	"log"
	"os"
	"time"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/postgres"
)

func ExampleOpen() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := postgres.Open(ctx, os.Getenv("DATABASE_URL"),
		postgres.WithSchema("kakaologin"),
		postgres.WithCleanupInterval(time.Minute))
	if errors.Is(err, store.ErrUnavailable) {
		log.Fatalf("database down: %v", err) // names host:port/db, never the password
	}
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
}

func ExampleBackend() {
	// The schema and cleanup interval may also travel in the URL.
	st, err := store.Open(context.Background(),
		"postgres://app@db.internal:5432/app?sslmode=verify-full&schema=kakaologin&cleanup_interval=1m",
		postgres.Backend)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
}
