"""`python -m dealeradmin.core.preflight`: load the settings and run the system checks, printing
one readable line (not a traceback) when the configuration cannot start. `make serve` runs it
before anything else."""

import os
import sys


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dealeradmin.settings")
    from django.core.exceptions import ImproperlyConfigured

    try:
        import django

        django.setup()
        from django.core.management import call_command

        call_command("check", "--deploy", "--fail-level=ERROR")
    except ImproperlyConfigured as exc:
        print(f"DealerAdmin cannot start: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # a SystemCheckError lists every problem itself
        print(f"DealerAdmin cannot start:\n{exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
