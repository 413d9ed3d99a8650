"""Real GnuPG keyrings made by a test in its temporary directory: keys that can encrypt, and
the bad ones (expired, revoked, sign-only), with no passphrase. Key generation with
``future-default`` (ed25519 + cv25519) takes milliseconds."""

import os
import shutil
import subprocess

# Found once: a test may take gpg off PATH for the code it tests.
GPG = shutil.which("gpg")
GPGCONF = shutil.which("gpgconf")


class Keyring:
    """A GnuPG home directory; ``close`` stops the agent gpg started for it."""

    def __init__(self, home):
        self.home = home
        os.makedirs(home, mode=0o700, exist_ok=True)

    def gpg(self, *args, data=None):
        return subprocess.run(
            [GPG, "--homedir", str(self.home), "--batch", "--no-tty", *args],
            input=data,
            capture_output=True,
            check=True,
            timeout=60,
        )

    def generate(self, uid, algo="future-default", usage="default", expire="never", when=None):
        """A new key without passphrase; returns its fingerprint. ``when``: the time it is
        made at (``20200101T000000``), so that a short ``expire`` is already past."""
        faked = ["--faked-system-time", when] if when else []
        self.gpg(*faked, "--passphrase", "", "--quick-gen-key", uid, algo, usage, expire)
        return self.fingerprint(uid)

    def fingerprint(self, uid):
        listing = self.gpg("--with-colons", "--list-keys", uid).stdout.decode()
        return next(line.split(":")[9] for line in listing.splitlines() if line.startswith("fpr"))

    def revoke(self, fingerprint):
        """Import the key's revocation certificate (gpg keeps one for every key it makes)."""
        certificate = (self.home / "openpgp-revocs.d" / f"{fingerprint}.rev").read_text()
        self.gpg("--import", data=certificate.replace(":-----BEGIN", "-----BEGIN").encode())

    def export_public(self, fingerprint, other):
        """Give ``other`` (a Keyring) the public key of ``fingerprint`` only."""
        other.gpg("--import", data=self.gpg("--armor", "--export", fingerprint).stdout)

    def decrypt(self, armored):
        return self.gpg("--decrypt", data=armored.encode()).stdout.decode()

    def close(self):
        subprocess.run(
            [GPGCONF, "--homedir", str(self.home), "--kill", "all"],
            capture_output=True,
            check=False,
            timeout=60,
        )
