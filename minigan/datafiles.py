"""The data sets on disk: their names, the files each part needs, and the checksums they must have.

Both :mod:`minigan.data` (reading) and :mod:`minigan.download` (fetching) import this module,
and it imports neither. The layout of a data folder::

    mnist/          train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz     ("train" part)
                    t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz      ("test" part)
    fashion-mnist/  the same four names
    cifar10/        cifar-10-batches-py/data_batch_1 ... data_batch_5          ("train" part)
                    cifar-10-batches-py/test_batch                             ("test" part)
                    (or cifar-10-python.tar.gz, extracted there on first use)
"""

NAMES = ("mnist", "fashion-mnist", "cifar10")

# The IDX files of each part of MNIST and Fashion-MNIST, without their ".gz".
IDX_FILES = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
             "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}

# SHA-256 of the *decompressed* IDX bytes: the same whatever gzip framing a mirror serves.
SHA256 = {
    "mnist/train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "mnist/train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "mnist/t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "mnist/t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    "fashion-mnist/train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    "fashion-mnist/train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    "fashion-mnist/t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    "fashion-mnist/t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
}

CIFAR10_TARBALL = "cifar-10-python.tar.gz"
CIFAR10_MD5 = "c58f30108f718f92721af3b95e74349a"  # of the tarball, as published with it
CIFAR10_FOLDER = "cifar-10-batches-py"
CIFAR10_BATCHES = {"train": [f"data_batch_{i}" for i in range(1, 6)], "test": ["test_batch"]}


class DataError(ValueError):
    """A data file or folder that is missing, corrupt or not what it should be, or a split that
    does not exist. The message is whole on its own: the file, what is wrong, what to do."""


class MissingData(DataError, FileNotFoundError):
    """Data files that are not there (and were not, or could not be, downloaded)."""
