// Command lambda-zip packs a Lambda `bootstrap` into the zip the provided.al2023 runtime
// expects: one file named bootstrap at the root, executable, with a fixed time so the zip
// (and the deployment's code hash) changes only when the binary does.
package main

import (
	"archive/zip"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"
)

func main() {
	bootstrap := flag.String("bootstrap", "", "the bootstrap binary")
	out := flag.String("out", "", "zip to write")
	flag.Parse()
	if err := pack(*bootstrap, *out); err != nil {
		slog.Error("packing lambda", "bootstrap", *bootstrap, "err", err)
		os.Exit(1)
	}
}

func pack(bootstrap, out string) error {
	if bootstrap == "" || out == "" {
		return fmt.Errorf("-bootstrap and -out are required")
	}
	in, err := os.Open(bootstrap)
	if err != nil {
		return err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return err
	}
	f, err := os.Create(out + ".tmp")
	if err != nil {
		return err
	}
	defer os.Remove(out + ".tmp")
	zw := zip.NewWriter(f)
	h := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate, Modified: time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)}
	h.SetMode(0o755)
	w, err := zw.CreateHeader(h)
	if err != nil {
		return err
	}
	if _, err := io.Copy(w, in); err != nil {
		return fmt.Errorf("compressing: %w", err)
	}
	if err := zw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	zst, err := os.Stat(out + ".tmp")
	if err != nil {
		return err
	}
	fmt.Printf("%-48s bootstrap %6.1f MiB  zip %6.1f MiB\n", out, float64(st.Size())/(1<<20), float64(zst.Size())/(1<<20))
	return os.Rename(out+".tmp", out)
}
