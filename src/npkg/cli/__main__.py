from npkg.cli import run

run()
