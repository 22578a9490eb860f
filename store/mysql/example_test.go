package mysql_test

import (
	"context"
	"errors"
	"log"
	"os"
	"time"

	"github.com/kakaologin/kakaologin/store"
	"github.com/kakaologin/kakaologin/store/mysql"
)

func ExampleOpen() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := mysql.Open(ctx, os.Getenv("DATABASE_URL"),
		mysql.WithTablePrefix("kakaologin_"),
		mysql.WithCleanupInterval(time.Minute))
	if errors.Is(err, store.ErrUnavailable) {
		log.Fatalf("database down: %v", err) // names host:port/db, never the password
	}
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
}

func ExampleBackend() {
	// The table prefix, pool size and cleanup interval may also travel in
	// the URL, beside the driver's own parameters.
	st, err := store.Open(context.Background(),
		"mysql://app@db.internal:3306/app?tls=true&table_prefix=kakaologin_&max_conns=20&cleanup_interval=1m",
		mysql.Backend)
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
}
