// SPDX-License-Identifier: Apache-2.0
// The one translation unit that compiles Asio's TLS support for libcckm (the AWS KMS
// transport) and everything linking it, schedulerd included (STYLE.md point 4).
#include <boost/asio/ssl/impl/src.hpp>
