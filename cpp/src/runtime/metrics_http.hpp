// A minimal HTTP/1.1 server for Prometheus scrapes, on an I/O thread of the runtime.
// GET /metrics is answered with the text exposition; any other path 404, any other method
// 405, a malformed request 400, a request head past the bounds 431. One request per
// connection (Connection: close). Connections, request size, header count and the time a
// connection may live are all bounded, so a slow or hostile client cannot hold the runtime.
#pragma once

#include <asio.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "p2pgossip/result.hpp"

namespace p2pgossip::runtime {

struct MetricsHttpLimits {
  std::size_t max_request = 8192;  // bytes of request head
  std::size_t max_headers = 64;
  std::size_t max_connections = 16;           // past it, new connections are closed at once
  std::chrono::milliseconds timeout{10'000};  // whole connection: request, render, reply
};

class MetricsHttp : public std::enable_shared_from_this<MetricsHttp> {
 public:
  // Produces the body on any thread and calls `reply` with it at most once (never when the
  // runtime stops first: the connection then ends with the io_context).
  using Reply = std::function<void(std::string body)>;
  using Render = std::function<void(Reply reply)>;

  // Binds and listens on the calling thread (so the port is known at once), then accepts on
  // `io`. host is an IP address; port 0 picks a free port.
  static Result<std::shared_ptr<MetricsHttp>> open(asio::io_context& io, const std::string& host,
                                                   std::uint16_t port, Render render,
                                                   MetricsHttpLimits limits = {});

  std::uint16_t port() const { return port_; }
  // Stops accepting (from any thread); connections in progress finish or time out.
  void close();

  MetricsHttp(asio::io_context& io, Render render, MetricsHttpLimits limits);

 private:
  class Session;
  void accept();

  asio::ip::tcp::acceptor acceptor_;
  Render render_;
  MetricsHttpLimits limits_;
  std::uint16_t port_ = 0;
  std::size_t active_ = 0;  // sessions alive; touched on the I/O thread only
};

}  // namespace p2pgossip::runtime
