module github.com/kakaologin/kakaologin/store/mysql

go 1.25.0

replace github.com/kakaologin/kakaologin => ../..

require (
	github.com/go-sql-driver/mysql v1.10.2
	github.com/kakaologin/kakaologin v0.0.0-00010101000000-000000000000
)

require filippo.io/edwards25519 v1.2.0 // indirect
