// p2pgossip._core: where a runtime's deliveries go (runtime/delivery_routes.hpp): Delivered
// events per topic on or off, native mailboxes read on demand, and the delivery log taken as
// numpy columns. Added to the Runtime class bind_runtime made.
#include <pybind11/numpy.h>
#include <pybind11/stl.h>

#include <optional>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "p2pgossip/buffer_pool.hpp"
#include "p2pgossip/runtime/runtime.hpp"
#include "runtime_bindings.hpp"

namespace p2pgossip::bindings {

using namespace p2pgossip::runtime;

namespace {

template <class T>
py::array_t<T> column(const std::vector<T>& v) {
  py::array_t<T> a(static_cast<py::ssize_t>(v.size()));
  if (!v.empty()) std::memcpy(a.mutable_data(), v.data(), v.size() * sizeof(T));
  return a;
}

py::tuple delivery_to_py(const Delivered& d) {
  return py::make_tuple(message_to_py(d.message), to_py(d.id.view()), to_py(d.received_from),
                        d.received_at);
}

}  // namespace

void bind_deliveries(py::module_& m) {
  m.def(
      "buffer_pool_stats",
      [] {
        const auto s = buffer_pool::stats();
        py::dict d;
        d["mapped_bytes"] = s.mapped_bytes;
        d["peak_mapped_bytes"] = s.peak_mapped_bytes;
        d["used_bytes"] = s.used_bytes;
        d["resident_free_bytes"] = s.resident_free_bytes;
        d["slabs_unmapped"] = s.slabs_unmapped;
        d["heap_trims"] = s.heap_trims;
        return d;
      },
      "The process's pool of 8-64 KiB byte buffers (frames in transit): slab bytes mapped now "
      "and at most, bytes handed out now, free bytes still resident, slabs given back since "
      "start, and how often glibc's heap was trimmed once a burst was over.");
  py::class_<Mailbox, std::shared_ptr<Mailbox>>(
      m, "Mailbox",
      "A node's latest deliveries of one topic, kept natively (Runtime.open_mailbox).")
      .def_property_readonly("token", &Mailbox::token)
      .def(
          "take",
          [](Mailbox& box, std::size_t max) {
            std::vector<Delivered> items;
            {
              py::gil_scoped_release release;
              items = box.take(max);
            }
            py::list out(items.size());
            for (std::size_t i = 0; i < items.size(); ++i)
              PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i),
                              delivery_to_py(items[i]).release().ptr());
            return out;
          },
          py::arg("max"),
          "The oldest `max` kept deliveries, removed: [(message, id, received_from, ns)].")
      .def("size", &Mailbox::size)
      .def("wait", &Mailbox::wait,
           "False when deliveries are kept; else arms one 'ready' event for the next one.")
      .def_property_readonly("delivered", &Mailbox::delivered)
      .def_property_readonly("dropped", &Mailbox::dropped)
      .def("memory_bytes", &Mailbox::memory_bytes,
           "Bytes held besides the shared message bodies (the ring and its sender table).");

  auto runtime = py::reinterpret_borrow<py::class_<Runtime>>(m.attr("Runtime"));
  runtime
      .def("set_delivery_events", &Runtime::set_delivery_events, py::arg("node"), py::arg("topic"),
           py::arg("on"), py::call_guard<py::gil_scoped_release>(),
           "'delivered' events of the node's topic (None: every topic) on or off.")
      .def("open_mailbox", &Runtime::open_mailbox, py::arg("node"), py::arg("topic"),
           py::arg("maxsize"), py::arg("drop_newest"), py::call_guard<py::gil_scoped_release>())
      .def("close_mailbox", &Runtime::close_mailbox, py::arg("node"), py::arg("mailbox"),
           py::call_guard<py::gil_scoped_release>())
      .def("notify_deliveries_at", &Runtime::notify_deliveries_at, py::arg("rows"),
           "A 'logged' event only once `rows` rows wait; True when they already do.")
      .def("log_deliveries", &Runtime::log_deliveries,
           "Book every delivery from now on, for take_deliveries().")
      .def(
          "take_deliveries",
          [](Runtime& r) {
            DeliveryLog::Rows rows;
            {
              py::gil_scoped_release release;
              rows = r.take_deliveries();
            }
            py::list ids(rows.new_ids.size());
            for (std::size_t i = 0; i < rows.new_ids.size(); ++i)
              PyList_SET_ITEM(ids.ptr(), static_cast<Py_ssize_t>(i),
                              to_py(rows.new_ids[i].view()).release().ptr());
            py::list peers;
            for (const Bytes& p : rows.new_peers) peers.append(to_py(p));
            return py::make_tuple(column(rows.node), column(rows.message), column(rows.from),
                                  column(rows.at), ids, peers);
          },
          "The rows booked since the last take: (node, message, from, ns, new message ids, "
          "new peer ids); message and from index every id and peer taken so far (-1: own).");
}

}  // namespace p2pgossip::bindings
